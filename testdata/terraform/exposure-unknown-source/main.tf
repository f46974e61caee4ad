# Exposure by size fails closed: the source of one RDP allow is a variable with no value, so
# how many public addresses reach 3389 is not known. The admin /32 is a note (NSG002); the rest
# of the Internet is undecided and reported as NSG030, never passed.
resource "azurerm_resource_group" "x" {
  name     = "rg-exposure"
  location = "westeurope"
}

resource "azurerm_virtual_network" "x" {
  name                = "vnet-exposure"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name
  address_space       = ["10.43.0.0/16"]
}

variable "partner_prefix" {
  type = string
}

# `partner_prefix` has no value: NSG030 for the flows it may admit.
resource "azurerm_subnet" "ops" {
  name                 = "snet-ops"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.43.1.0/24"]
}

resource "azurerm_network_security_group" "ops" {
  name                = "nsg-ops"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name

  security_rule {
    name                       = "AllowAdminRdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "203.0.113.7"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }

  security_rule {
    name                       = "AllowPartnerRdp"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = var.partner_prefix
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }
}

resource "azurerm_subnet_network_security_group_association" "ops" {
  subnet_id                 = azurerm_subnet.ops.id
  network_security_group_id = azurerm_network_security_group.ops.id
}
