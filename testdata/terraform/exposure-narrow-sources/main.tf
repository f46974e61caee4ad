# Exposure by size (nsg-semantics §2.4): narrow public source sets are admitted on purpose —
# one office address, a VPN egress /24, an IPv6 /120 (256 addresses, the same count). Each is a
# note naming the sources, not an error: the run passes.
resource "azurerm_resource_group" "x" {
  name     = "rg-exposure"
  location = "westeurope"
}

resource "azurerm_virtual_network" "x" {
  name                = "vnet-exposure"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name
  address_space       = ["10.40.0.0/16", "fd00:40::/48"]
}

# RDP from one admin address (NSG002 note); SSH from a VPN egress /24, 256 addresses: at the limit, a note.
resource "azurerm_subnet" "admin" {
  name                 = "snet-admin"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.40.1.0/24"]
}

resource "azurerm_network_security_group" "admin" {
  name                = "nsg-admin"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name

  security_rule {
    name                       = "AllowAdminRdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "203.0.113.7/32"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }

  security_rule {
    name                       = "AllowVpnSsh"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "198.51.100.0/24"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }
}

resource "azurerm_subnet_network_security_group_association" "admin" {
  subnet_id                 = azurerm_subnet.admin.id
  network_security_group_id = azurerm_network_security_group.admin.id
}

# IPv6 counts the same: a /120 is 256 addresses (NSG003 note).
resource "azurerm_subnet" "v6" {
  name                 = "snet-v6"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["fd00:40:2::/64"]
}

resource "azurerm_network_security_group" "v6" {
  name                = "nsg-v6"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name

  security_rule {
    name                       = "AllowSshV6"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "2001:db8:1::/120"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }
}

resource "azurerm_subnet_network_security_group_association" "v6" {
  subnet_id                 = azurerm_subnet.v6.id
  network_security_group_id = azurerm_network_security_group.v6.id
}
