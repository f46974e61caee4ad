# `nsgate flow` snapshots (tests/cli_formats.rs): ICMP and `any`, an indeterminate hop, an
# unknown that every reading decides alike, and addresses outside every subnet.

variable "jump_host" {
  description = "Left without a value on purpose: the SSH allow below depends on it."
  type        = string
}

resource "azurerm_virtual_network" "main" {
  name                = "vnet-main"
  location            = "westeurope"
  resource_group_name = "rg-flow"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "web" {
  name                 = "web"
  resource_group_name  = "rg-flow"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.1.0.0/24"]
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = "rg-flow"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet" "isolated" {
  name                 = "isolated"
  resource_group_name  = "rg-flow"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.1.2.0/24"]
}

resource "azurerm_network_interface" "vm1" {
  name                = "nic-vm1"
  location            = "westeurope"
  resource_group_name = "rg-flow"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.web.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.0.4"
  }
}

resource "azurerm_network_security_group" "app" {
  name                = "nsg-app"
  location            = "westeurope"
  resource_group_name = "rg-flow"

  security_rule {
    name                       = "DenyIcmp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Icmp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }

  security_rule {
    name                       = "AllowSshFromJump"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = var.jump_host
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }

  security_rule {
    name                       = "DenySsh"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.app.id
}

# Denies everything to VirtualNetwork; whether 192.168.1.10 is in VirtualNetwork (an on-premises
# range) cannot be known offline, but either way the flow is denied: by this rule, or by
# DenyAllOutBound.
resource "azurerm_network_security_group" "isolated" {
  name                = "nsg-isolated"
  location            = "westeurope"
  resource_group_name = "rg-flow"

  security_rule {
    name                       = "DenyToVirtualNetwork"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "VirtualNetwork"
    destination_port_range     = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "isolated" {
  subnet_id                 = azurerm_subnet.isolated.id
  network_security_group_id = azurerm_network_security_group.isolated.id
}
