# Who lives in each subnet, as the azurerm provider declares it (nsg-semantics §6.6): a scale
# set behind a load balancer, a VM NIC in the same pool, an IP-based backend, Azure Bastion, an
# Application Gateway v2, AKS node pools, private endpoints (one in a subnet known only from a
# variable), delegated subnets (a subnet resource and an inline subnet), and a subnet nothing
# is placed in (its tenants are unknown).

resource "azurerm_resource_group" "app" {
  name     = "rg-app"
  location = "westeurope"
}

resource "azurerm_virtual_network" "app" {
  name                = "vnet-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "bastion" {
  name                 = "AzureBastionSubnet"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.0.0/26"]
}

resource "azurerm_subnet" "appgw" {
  name                 = "appgw"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_subnet" "aks" {
  name                 = "aks"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.2.0/24"]
}

resource "azurerm_subnet" "web" {
  name                 = "web"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.3.0/24"]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "endpoints"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.4.0/24"]
}

resource "azurerm_subnet" "functions" {
  name                 = "functions"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.5.0/24"]

  delegation {
    name = "serverfarms"
    service_delegation {
      name    = "Microsoft.Web/serverFarms"
      actions = ["Microsoft.Network/virtualNetworks/subnets/action"]
    }
  }
}

resource "azurerm_subnet" "spare" {
  name                 = "spare"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.20.6.0/24"]
}

# A second network whose subnet is declared inline (provider 4.x), delegated to ACI.
resource "azurerm_virtual_network" "aci" {
  name                = "vnet-aci"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  address_space       = ["10.30.0.0/16"]

  subnet {
    name             = "containers"
    address_prefixes = ["10.30.0.0/24"]
    security_group   = azurerm_network_security_group.app.id

    delegation {
      name = "aci"
      service_delegation {
        name = "Microsoft.ContainerInstance/containerGroups"
      }
    }
  }
}

# One NSG with only the default rules on every subnet: this scenario is about tenants.
resource "azurerm_network_security_group" "app" {
  name                = "nsg-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
}

resource "azurerm_subnet_network_security_group_association" "app" {
  for_each = {
    bastion   = azurerm_subnet.bastion.id
    appgw     = azurerm_subnet.appgw.id
    aks       = azurerm_subnet.aks.id
    web       = azurerm_subnet.web.id
    endpoints = azurerm_subnet.endpoints.id
    functions = azurerm_subnet.functions.id
    spare     = azurerm_subnet.spare.id
  }
  subnet_id                 = each.value
  network_security_group_id = azurerm_network_security_group.app.id
}

resource "azurerm_bastion_host" "main" {
  name                = "bas-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name

  ip_configuration {
    name                 = "configuration"
    subnet_id            = azurerm_subnet.bastion.id
    public_ip_address_id = "/subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Network/publicIPAddresses/pip-bastion"
  }
}

resource "azurerm_application_gateway" "main" {
  name                = "agw-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name

  sku {
    name     = "WAF_v2"
    tier     = "WAF_v2"
    capacity = 2
  }

  gateway_ip_configuration {
    name      = "gateway"
    subnet_id = azurerm_subnet.appgw.id
  }
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  dns_prefix          = "aksapp"

  default_node_pool {
    name           = "system"
    node_count     = 1
    vm_size        = "Standard_D2s_v5"
    vnet_subnet_id = azurerm_subnet.aks.id
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  vm_size               = "Standard_D4s_v5"
  vnet_subnet_id        = azurerm_subnet.aks.id
}

resource "azurerm_private_endpoint" "storage" {
  name                = "pe-storage"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "storage"
    private_connection_resource_id = "/subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stapp"
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}

# Its subnet is the caller's: unknown here, so the endpoint's subnet is unknown, not dropped.
resource "azurerm_private_endpoint" "vault" {
  name                = "pe-vault"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  subnet_id           = var.vault_subnet_id

  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = "/subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app"
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}

resource "azurerm_lb" "web" {
  name                = "lb-web"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  sku                 = "Standard"

  frontend_ip_configuration {
    name                          = "frontend"
    subnet_id                     = azurerm_subnet.web.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_lb_backend_address_pool" "web" {
  name            = "web"
  loadbalancer_id = azurerm_lb.web.id
}

resource "azurerm_lb_probe" "http" {
  name            = "http"
  loadbalancer_id = azurerm_lb.web.id
  protocol        = "Http"
  port            = 8080
  request_path    = "/health"
}

resource "azurerm_lb_rule" "http" {
  name                           = "http"
  loadbalancer_id                = azurerm_lb.web.id
  protocol                       = "Tcp"
  frontend_port                  = 80
  backend_port                   = 8080
  frontend_ip_configuration_name = "frontend"
  backend_address_pool_ids       = [azurerm_lb_backend_address_pool.web.id]
  probe_id                       = azurerm_lb_probe.http.id
}

resource "azurerm_linux_virtual_machine_scale_set" "web" {
  name                = "vmss-web"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  sku                 = "Standard_D2s_v5"
  instances           = 2
  admin_username      = "azureuser"

  network_interface {
    name    = "nic"
    primary = true

    ip_configuration {
      name                                   = "internal"
      primary                                = true
      subnet_id                              = azurerm_subnet.web.id
      load_balancer_backend_address_pool_ids = [azurerm_lb_backend_address_pool.web.id]
    }
  }
}

resource "azurerm_network_interface" "vm" {
  name                = "nic-vm"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.web.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_backend_address_pool_association" "vm" {
  network_interface_id    = azurerm_network_interface.vm.id
  ip_configuration_name   = "internal"
  backend_address_pool_id = azurerm_lb_backend_address_pool.web.id
}

# An IP-based backend: which subnet holds 10.20.3.10 is not read, so it is checked nowhere.
resource "azurerm_lb_backend_address_pool_address" "legacy" {
  name                    = "legacy"
  backend_address_pool_id = azurerm_lb_backend_address_pool.web.id
  virtual_network_id      = azurerm_virtual_network.app.id
  ip_address              = "10.20.3.10"
}
