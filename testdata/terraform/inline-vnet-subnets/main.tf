resource "azurerm_network_security_group" "edge" {
  name                = "nsg-edge"
  location            = "westeurope"
  resource_group_name = "rg-edge"
}

resource "azurerm_virtual_network" "edge" {
  name                = "vnet-edge"
  location            = "westeurope"
  resource_group_name = "rg-edge"
  address_space       = ["10.9.0.0/16"]

  # Provider 4.x spelling.
  subnet {
    name             = "snet-front"
    address_prefixes = ["10.9.1.0/24"]
    security_group   = azurerm_network_security_group.edge.id
  }

  # Provider 3.x spelling.
  subnet {
    name           = "snet-back"
    address_prefix = "10.9.2.0/24"
  }
}

# Conflicts with the inline subnets of the same VNet.
resource "azurerm_subnet" "extra" {
  name                 = "snet-extra"
  resource_group_name  = "rg-edge"
  virtual_network_name = azurerm_virtual_network.edge.name
  address_prefixes     = ["10.9.3.0/24"]
}

# Conflicts with the inline security_group of snet-front.
resource "azurerm_subnet_network_security_group_association" "front" {
  subnet_id                 = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-edge/providers/Microsoft.Network/virtualNetworks/vnet-edge/subnets/snet-front"
  network_security_group_id = azurerm_network_security_group.edge.id
}
