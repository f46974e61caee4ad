# azapi 1.x: the same network with `body = jsonencode({...})`; values keep their spans in this
# file. An NSG opens SSH to the Internet inline, and a child rule resource opens RDP to it.
# A Cloud Service is accepted and not evaluated.

resource "azapi_resource" "rg" {
  type     = "Microsoft.Resources/resourceGroups@2021-04-01"
  name     = "rg-app"
  location = "westeurope"
}

resource "azapi_resource" "vnet" {
  type      = "Microsoft.Network/virtualNetworks@2024-05-01"
  name      = "vnet-app"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = jsonencode({
    properties = {
      addressSpace = {
        addressPrefixes = ["10.30.0.0/16"]
      }
    }
  })
}

resource "azapi_resource" "subnet" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  name      = "snet-app"
  parent_id = azapi_resource.vnet.id
  body = jsonencode({
    properties = {
      addressPrefix = "10.30.1.0/24"
      networkSecurityGroup = {
        id = azapi_resource.nsg.id
      }
    }
  })
}

resource "azapi_resource" "nsg" {
  type      = "Microsoft.Network/networkSecurityGroups@2024-05-01"
  name      = "nsg-app"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = jsonencode({
    properties = {
      securityRules = [
        {
          name = "AllowSsh"
          properties = {
            priority                 = 100
            direction                = "Inbound"
            access                   = "Allow"
            protocol                 = "Tcp"
            sourceAddressPrefix      = "Internet"
            sourcePortRange          = "*"
            destinationAddressPrefix = "10.30.1.0/24"
            destinationPortRange     = "22"
          }
        }
      ]
    }
  })
}

resource "azapi_resource" "rdp" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01"
  name      = "AllowRdp"
  parent_id = azapi_resource.nsg.id
  body = jsonencode({
    properties = {
      priority                 = 110
      direction                = "Inbound"
      access                   = "Allow"
      protocol                 = "Tcp"
      sourceAddressPrefix      = "*"
      sourcePortRange          = "*"
      destinationAddressPrefix = "*"
      destinationPortRange     = "3389"
    }
  })
}

resource "azapi_resource" "cloud_service" {
  type      = "Microsoft.Compute/cloudServices@2022-09-04"
  name      = "cs-app"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = jsonencode({
    properties = {}
  })
}
