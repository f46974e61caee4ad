# Cloud Services (extended support) have no azurerm resource: deployed with azapi_resource, its
# body is read like an ARM template's. The RDP extension enables Remote Desktop on WebRole1; the
# inline service configuration places both roles in subnet `roles` of `vnet-cs`, found in
# resource group `rg-cs` named by the literal `parent_id`. DenyAll at 400 cuts RDP between the
# instances (the incident, nsg-semantics §0).

locals {
  service_configuration = <<-XML
    <ServiceConfiguration serviceName="ContosoCS" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration">
      <Role name="WebRole1"><Instances count="2" /></Role>
      <Role name="WorkerRole1"><Instances count="2" /></Role>
      <NetworkConfiguration>
        <VirtualNetworkSite name="vnet-cs" />
        <AddressAssignments>
          <InstanceAddress roleName="WebRole1"><Subnets><Subnet name="roles" /></Subnets></InstanceAddress>
          <InstanceAddress roleName="WorkerRole1"><Subnets><Subnet name="roles" /></Subnets></InstanceAddress>
        </AddressAssignments>
      </NetworkConfiguration>
    </ServiceConfiguration>
  XML
}

resource "azurerm_network_security_group" "roles" {
  name                = "nsg-roles"
  location            = "westeurope"
  resource_group_name = "rg-cs"

  security_rule {
    name                       = "AllowLocalRDP"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "172.16.0.0"
    source_port_range          = "*"
    destination_address_prefix = "10.1.0.0/24"
    destination_port_ranges    = ["3389", "20000"]
  }

  security_rule {
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

resource "azurerm_subnet_network_security_group_association" "roles" {
  subnet_id                 = azurerm_subnet.roles.id
  network_security_group_id = azurerm_network_security_group.roles.id
}

resource "azapi_resource" "cloud_service" {
  type      = "Microsoft.Compute/cloudServices@2022-09-04"
  name      = "ContosoCS"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-cs"
  location  = "westeurope"
  body = {
    properties = {
      packageUrl    = "https://example.blob.core.windows.net/cs/ContosoCS.cspkg"
      configuration = local.service_configuration
      roleProfile = {
        roles = [
          { name = "WebRole1", sku = { name = "Standard_D1_v2", capacity = 2 } },
          { name = "WorkerRole1", sku = { name = "Standard_D1_v2", capacity = 2 } },
        ]
      }
      extensionProfile = {
        extensions = [
          {
            name = "RDPExtension"
            properties = {
              publisher          = "Microsoft.Windows.Azure.Extensions"
              type               = "RDP"
              typeHandlerVersion = "1.2.1"
              rolesAppliedTo     = ["WebRole1"]
            }
          }
        ]
      }
    }
  }
}
