resource "azurerm_application_security_group" "web" {
  name                = "asg-web"
  location            = "westeurope"
  resource_group_name = "rg-asg"
}

resource "azurerm_application_security_group" "db" {
  name                = "asg-db"
  location            = "westeurope"
  resource_group_name = "rg-asg"
}

resource "azurerm_virtual_network" "asg" {
  name                = "vnet-asg"
  location            = "westeurope"
  resource_group_name = "rg-asg"
  address_space       = ["10.7.0.0/16"]
}

resource "azurerm_subnet" "app" {
  name                 = "snet-app"
  resource_group_name  = "rg-asg"
  virtual_network_name = azurerm_virtual_network.asg.name
  address_prefixes     = ["10.7.1.0/24"]
}

resource "azurerm_network_interface" "web" {
  count               = 2
  name                = "nic-web-${count.index}"
  location            = "westeurope"
  resource_group_name = "rg-asg"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.app.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface" "db" {
  name                = "nic-db"
  location            = "westeurope"
  resource_group_name = "rg-asg"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.app.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.7.1.20"
  }
}

resource "azurerm_network_interface_application_security_group_association" "web" {
  count                         = 2
  network_interface_id          = azurerm_network_interface.web[count.index].id
  application_security_group_id = azurerm_application_security_group.web.id
}

resource "azurerm_network_interface_application_security_group_association" "db" {
  network_interface_id          = azurerm_network_interface.db.id
  application_security_group_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-asg/providers/Microsoft.Network/applicationSecurityGroups/asg-db"
}

resource "azurerm_network_security_group" "app" {
  name                = "nsg-app"
  location            = "westeurope"
  resource_group_name = "rg-asg"

  security_rule {
    name                                       = "AllowWebToDb"
    priority                                   = 100
    direction                                  = "Inbound"
    access                                     = "Allow"
    protocol                                   = "Tcp"
    source_application_security_group_ids      = [azurerm_application_security_group.web.id]
    source_port_range                          = "*"
    destination_application_security_group_ids = [azurerm_application_security_group.db.id]
    destination_port_range                     = "1433"
  }

  security_rule {
    name                                       = "AllowHttpsToWeb"
    priority                                   = 110
    direction                                  = "Inbound"
    access                                     = "Allow"
    protocol                                   = "Tcp"
    source_address_prefix                      = "Internet"
    source_port_range                          = "*"
    destination_application_security_group_ids = azurerm_application_security_group.web[*].id
    destination_port_range                     = "443"
  }
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.app.id
}
