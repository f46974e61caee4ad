# A second root in the same repository, using the shared NSG module directly with a
# subnet of its own.
resource "azurerm_virtual_network" "prod" {
  name                = "vnet-prod"
  location            = "westeurope"
  resource_group_name = "rg-prod"
  address_space       = ["10.2.0.0/16"]
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = "rg-prod"
  virtual_network_name = azurerm_virtual_network.prod.name
  address_prefixes     = ["10.2.1.0/24"]
}

module "nsg" {
  source              = "../../modules/nsg"
  resource_group_name = "rg-prod"
  admin_source        = "172.16.0.10"
  subnet_prefix       = "10.2.1.0/24"
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = module.nsg.id
}
