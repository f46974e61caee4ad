# A registry module installed by `terraform init`: nsgate reads it from
# .terraform/modules (modules.json maps the call to its directory), never from the network.
resource "azurerm_virtual_network" "cs" {
  name                = "vnet-cs"
  location            = "westeurope"
  resource_group_name = "rg-cs"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "roles" {
  name                 = "roles"
  resource_group_name  = "rg-cs"
  virtual_network_name = azurerm_virtual_network.cs.name
  address_prefixes     = ["10.1.0.0/24"]
}

module "nsg" {
  source              = "Azure/avm-res-network-networksecuritygroup/azurerm"
  version             = "0.2.0"
  name                = "nsg-roles"
  resource_group_name = "rg-cs"
  location            = "westeurope"
  security_rules = {
    admin_rdp = {
      name                       = "AllowLocalRDP"
      priority                   = 300
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_address_prefix      = "172.16.0.10"
      source_port_range          = "*"
      destination_address_prefix = "10.1.0.0/24"
      destination_port_ranges    = ["3389", "20000"]
    }
    deny_all = {
      name                       = "DenyAll"
      priority                   = 400
      direction                  = "Inbound"
      access                     = "Deny"
      protocol                   = "*"
      source_address_prefix      = "*"
      source_port_range          = "*"
      destination_address_prefix = "*"
      destination_port_range     = "*"
    }
  }
}

resource "azurerm_subnet_network_security_group_association" "roles" {
  subnet_id                 = azurerm_subnet.roles.id
  network_security_group_id = module.nsg.resource_id
}
