# `nsgate flow` snapshots (tests/cli_formats.rs): an address no NIC has statically may be the
# dynamic address of `nic-db`, whose own NSG denies PostgreSQL; a plain host of the subnet
# would be allowed, so the verdict on 5432 depends on which host the address is.

resource "azurerm_virtual_network" "main" {
  name                = "vnet-dyn"
  location            = "westeurope"
  resource_group_name = "rg-dyn"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "data" {
  name                 = "data"
  resource_group_name  = "rg-dyn"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_network_interface" "db" {
  name                = "nic-db"
  location            = "westeurope"
  resource_group_name = "rg-dyn"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.data.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_security_group" "db" {
  name                = "nsg-db"
  location            = "westeurope"
  resource_group_name = "rg-dyn"

  security_rule {
    name                       = "DenyPostgres"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "5432"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_interface_security_group_association" "db" {
  network_interface_id      = azurerm_network_interface.db.id
  network_security_group_id = azurerm_network_security_group.db.id
}
