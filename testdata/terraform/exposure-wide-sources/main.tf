# Exposure by size (nsg-semantics §2.4): wide public source sets are errors — a /8, the two
# halves of the IPv4 space (two rules), an IPv6 /64, two narrow allows that together exceed 256
# addresses — while an admin /32 beside a `*` allow stays a note.
resource "azurerm_resource_group" "x" {
  name     = "rg-exposure"
  location = "westeurope"
}

resource "azurerm_virtual_network" "x" {
  name                = "vnet-exposure"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name
  address_space       = ["10.41.0.0/16", "fd00:41::/48"]
}

# RDP from a /8: 16777216 public addresses (NSG002 error).
resource "azurerm_subnet" "corp" {
  name                 = "snet-corp"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.41.1.0/24"]
}

resource "azurerm_network_security_group" "corp" {
  name                = "nsg-corp"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name

  security_rule {
    name                       = "AllowRdpFromSlash8"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "20.0.0.0/8"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }
}

resource "azurerm_subnet_network_security_group_association" "corp" {
  subnet_id                 = azurerm_subnet.corp.id
  network_security_group_id = azurerm_network_security_group.corp.id
}

# 0.0.0.0/1 + 128.0.0.0/1 is every address, split in two rules: each is an error (NSG002 x2).
resource "azurerm_subnet" "halves" {
  name                 = "snet-halves"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.41.2.0/24"]
}

resource "azurerm_network_security_group" "halves" {
  name                = "nsg-halves"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name

  security_rule {
    name                       = "AllowRdpLowHalf"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_address_prefix      = "0.0.0.0/1"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }

  security_rule {
    name                       = "AllowRdpHighHalf"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "*"
    source_address_prefix      = "128.0.0.0/1"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }
}

resource "azurerm_subnet_network_security_group_association" "halves" {
  subnet_id                 = azurerm_subnet.halves.id
  network_security_group_id = azurerm_network_security_group.halves.id
}

# IPv6 /64 (NSG003 error).
resource "azurerm_subnet" "v6" {
  name                 = "snet-v6"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["fd00:41:3::/64"]
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
    source_address_prefix      = "2001:db8::/64"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }
}

resource "azurerm_subnet_network_security_group_association" "v6" {
  subnet_id                 = azurerm_subnet.v6.id
  network_security_group_id = azurerm_network_security_group.v6.id
}

# 256 + 128 = 384 public addresses, over the limit only together: both are errors (NSG003 x2).
resource "azurerm_subnet" "together" {
  name                 = "snet-together"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.41.4.0/24"]
}

resource "azurerm_network_security_group" "together" {
  name                = "nsg-together"
  location            = azurerm_resource_group.x.location
  resource_group_name = azurerm_resource_group.x.name

  security_rule {
    name                       = "AllowSshPartnerA"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "203.0.113.0/24"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }

  security_rule {
    name                       = "AllowSshPartnerB"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "198.51.100.0/25"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "22"
  }
}

resource "azurerm_subnet_network_security_group_association" "together" {
  subnet_id                 = azurerm_subnet.together.id
  network_security_group_id = azurerm_network_security_group.together.id
}

# An admin /32 first (a note) and `*` after it (an error, for every other address).
resource "azurerm_subnet" "mixed" {
  name                 = "snet-mixed"
  resource_group_name  = azurerm_resource_group.x.name
  virtual_network_name = azurerm_virtual_network.x.name
  address_prefixes     = ["10.41.5.0/24"]
}

resource "azurerm_network_security_group" "mixed" {
  name                = "nsg-mixed"
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
    name                       = "AllowRdpAnywhere"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "3389"
  }
}

resource "azurerm_subnet_network_security_group_association" "mixed" {
  subnet_id                 = azurerm_subnet.mixed.id
  network_security_group_id = azurerm_network_security_group.mixed.id
}
