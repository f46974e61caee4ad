# One module directory reached through two paths (a symlink): read once, instantiated twice.
resource "azurerm_virtual_network" "cs" {
  name                = "vnet-cs"
  location            = "westeurope"
  resource_group_name = "rg-cs"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "a" {
  name                 = "a"
  resource_group_name  = "rg-cs"
  virtual_network_name = azurerm_virtual_network.cs.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet" "b" {
  name                 = "b"
  resource_group_name  = "rg-cs"
  virtual_network_name = azurerm_virtual_network.cs.name
  address_prefixes     = ["10.1.2.0/24"]
}

module "nsg_a" {
  source              = "./modules/nsg"
  resource_group_name = "rg-a"
  admin_source        = "172.16.0.10"
  subnet_prefix       = "10.1.1.0/24"
}

module "nsg_b" {
  source              = "./alias"
  resource_group_name = "rg-b"
  admin_source        = "172.16.0.10"
  subnet_prefix       = "10.1.2.0/24"
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.a.id
  network_security_group_id = module.nsg_a.id
}

resource "azurerm_subnet_network_security_group_association" "b" {
  subnet_id                 = azurerm_subnet.b.id
  network_security_group_id = module.nsg_b.id
}
