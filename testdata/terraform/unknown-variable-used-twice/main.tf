# `var.admin_cidr` has no value: one unknown, used by several rules (directly and through a
# local, an exact copy). `replace(...)` derives another value from it: a second unknown.

variable "admin_cidr" {
  type = string
}

locals {
  admin = var.admin_cidr
}

resource "azurerm_virtual_network" "main" {
  name                = "vnet-twice"
  location            = "westeurope"
  resource_group_name = "rg-twice"
  address_space       = ["10.6.0.0/16"]
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = "rg-twice"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.6.1.0/24"]
}

resource "azurerm_network_security_group" "app" {
  name                = "nsg-twice"
  location            = "westeurope"
  resource_group_name = "rg-twice"

  security_rule {
    name                       = "DenyAdminRdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_address_prefix      = var.admin_cidr
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }

  # Dead: it matches exactly what DenyAdminRdp matches, whatever the variable's value.
  security_rule {
    name                       = "AllowAdminRdp"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = local.admin
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }

  security_rule {
    name                       = "DenyAdminSsh"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_address_prefix      = var.admin_cidr
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }

  # Not dead: the derived range may hold addresses the variable does not.
  security_rule {
    name                       = "AllowWiderSsh"
    priority                   = 210
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = replace(var.admin_cidr, "/32", "/24")
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }

  security_rule {
    name                       = "DenyInternetInbound"
    priority                   = 4096
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "Internet"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.app.id
}
