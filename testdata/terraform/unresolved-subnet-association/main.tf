variable "subnet_id" {
  type = string
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "s" {
  name                 = "web"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_network_security_group" "n" {
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = var.subnet_id
  network_security_group_id = azurerm_network_security_group.n.id
}
