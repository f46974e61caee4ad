# Exposure by size with a project configuration (nsgate.toml beside this file): the admin
# range is exempted from NSG002 with `except_from`, which also shrinks a /23 allow to the 256
# addresses outside it (a note); NSG003 sets `max_public_sources = 0`, so one SSH address is an
# error.
resource "azurerm_resource_group" "x" {
  name     = "rg-exposure"
  location = "westeurope"
}

resource "azurerm_virtual_network" "x" {
  name                = "vnet-exposure"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name
  address_space       = ["10.42.0.0/16"]
}

# The admin address is exempt; the partner /23 minus the exempt /24 leaves 256 addresses (NSG002 note); SSH from one address is an error under max_public_sources = 0 (NSG003).
resource "azurerm_subnet" "jump" {
  name                 = "snet-jump"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.42.1.0/24"]
}

resource "azurerm_network_security_group" "jump" {
  name                = "nsg-jump"
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
    source_address_prefix      = "203.0.112.0/23"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }

  security_rule {
    name                       = "AllowOpsSsh"
    priority                   = 120
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "198.51.100.7"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }
}

resource "azurerm_subnet_network_security_group_association" "jump" {
  subnet_id                 = azurerm_subnet.jump.id
  network_security_group_id = azurerm_network_security_group.jump.id
}
