# The repository's own module: a role subnet with its NSG. It is no root of its own here:
# examples/basic calls it (`../..`), so it is evaluated with the values the example gives.

resource "azurerm_virtual_network" "cs" {
  name                = "vnet-cs"
  location            = "westeurope"
  resource_group_name = var.resource_group_name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "roles" {
  name                 = "roles"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.cs.name
  address_prefixes     = [var.address_prefix]
}

module "nsg" {
  source              = "./modules/nsg"
  resource_group_name = var.resource_group_name
  admin_source        = var.admin_source
  subnet_prefix       = var.address_prefix
}

resource "azurerm_subnet_network_security_group_association" "roles" {
  subnet_id                 = azurerm_subnet.roles.id
  network_security_group_id = module.nsg.id
}
