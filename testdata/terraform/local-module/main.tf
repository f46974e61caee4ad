resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  location            = "westeurope"
  resource_group_name = "rg-hub"
  address_space       = ["10.4.0.0/16"]
}

module "roles" {
  source   = "./modules/role-subnet"
  for_each = { web = "10.4.1.0/24", worker = "10.4.2.0/24" }

  resource_group_name  = "rg-hub"
  virtual_network_name = azurerm_virtual_network.hub.name
  name                 = each.key
  prefix               = each.value
}

module "jump" {
  source               = "./modules/role-subnet"
  resource_group_name  = "rg-hub"
  virtual_network_name = azurerm_virtual_network.hub.name
  name                 = "jump"
  prefix               = "10.4.9.0/24"
  allow_rdp_from       = "203.0.113.10"
}

resource "azurerm_network_interface" "jump" {
  name                = "nic-jump"
  location            = "westeurope"
  resource_group_name = "rg-hub"

  ip_configuration {
    name                          = "primary"
    subnet_id                     = module.jump.subnet_id
    private_ip_address_allocation = "Static"
    private_ip_address            = cidrhost(module.jump.prefix, 4)
  }
}

output "worker_nsg" {
  value = module.roles["worker"].nsg_name
}
