data "azurerm_subnet" "shared" {
  name                 = "snet-shared"
  virtual_network_name = "vnet-shared"
  resource_group_name  = "rg-shared"
}

module "nsg" {
  source  = "Azure/network-security-group/azurerm"
  version = "4.1.0"

  resource_group_name = "rg-remote"
  security_group_name = "nsg-remote"
}

resource "azurerm_network_security_group" "local" {
  name                = "nsg-local"
  location            = "westeurope"
  resource_group_name = "rg-remote"

  security_rule {
    name                       = "AllowFromShared"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = data.azurerm_subnet.shared.address_prefixes[0]
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "443"
  }

  security_rule {
    name                       = "AllowFromModule"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = module.nsg.allowed_prefix
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "443"
  }
}

# Association with a subnet that is read, not defined here.
resource "azurerm_subnet_network_security_group_association" "shared" {
  subnet_id                 = data.azurerm_subnet.shared.id
  network_security_group_id = azurerm_network_security_group.local.id
}

resource "azurerm_subnet_network_security_group_association" "remote" {
  subnet_id                 = data.azurerm_subnet.shared.id
  network_security_group_id = module.nsg.network_security_group_id
}
