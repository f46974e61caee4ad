# The subnet has no NSG; NIC `nic-a` has one, NIC `nic-b` does not: nothing filters nic-b.
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_network_security_group" "a" {
  name                = "nsg-a"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_network_interface" "a" {
  name                = "nic-a"
  location            = "westeurope"
  resource_group_name = "rg"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.app.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface" "b" {
  name                = "nic-b"
  location            = "westeurope"
  resource_group_name = "rg"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.app.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_security_group_association" "a" {
  network_interface_id      = azurerm_network_interface.a.id
  network_security_group_id = azurerm_network_security_group.a.id
}
