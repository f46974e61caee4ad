# Terraform accepts an object that repeats a key and uses the last value (many real
# configurations do this by accident in tag maps). nsgate reads it the same way, with a note:
# SSH is moved to 2222 by the repeated key, so the Internet rule does not expose port 22
# (NSG003 passes) but does expose 2222 to the Internet — which no built-in policy forbids.

locals {
  tags = {
    env   = "dev"
    owner = "net"
    env   = "prod"
  }
  ports = {
    "ssh" = "22"
    "ssh" = "2222"
  }
}

resource "azurerm_virtual_network" "app" {
  name                = "vnet-app"
  location            = "westeurope"
  resource_group_name = "rg-app"
  address_space       = ["10.40.0.0/16"]
  tags                = local.tags
}

resource "azurerm_subnet" "app" {
  name                 = "snet-app"
  resource_group_name  = "rg-app"
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.40.1.0/24"]
}

resource "azurerm_network_security_group" "app" {
  name                = "nsg-app"
  location            = "westeurope"
  resource_group_name = "rg-app"
  tags                = local.tags

  security_rule {
    name                       = "AllowSshAlt"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "Internet"
    source_port_range          = "*"
    destination_address_prefix = "10.40.1.0/24"
    destination_port_range     = local.ports.ssh
  }
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.app.id
}
