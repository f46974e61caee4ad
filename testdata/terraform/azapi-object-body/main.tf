# azapi 2.x: a VNet, a subnet linked to it by `parent_id`, an NSG with an inline rule that opens
# SSH to the Internet, and a child rule resource that opens RDP to the Internet. Bodies are HCL
# objects, read through the same mapping as ARM templates.

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
  body = {
    properties = {
      addressSpace = {
        addressPrefixes = ["10.30.0.0/16"]
      }
    }
  }
}

resource "azapi_resource" "subnet" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  name      = "snet-app"
  parent_id = azapi_resource.vnet.id
  body = {
    properties = {
      addressPrefix = "10.30.1.0/24"
      networkSecurityGroup = {
        id = azapi_resource.nsg.id
      }
    }
  }
}

resource "azapi_resource" "nsg" {
  type      = "Microsoft.Network/networkSecurityGroups@2024-05-01"
  name      = "nsg-app"
  parent_id = azapi_resource.rg.id
  location  = "westeurope"
  body = {
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
  }
}

resource "azapi_resource" "rdp" {
  type      = "Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01"
  name      = "AllowRdp"
  parent_id = azapi_resource.nsg.id
  body = {
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
  }
}

# A subnet created without an NSG, and an in-place update that associates one: the subnet is
# covered (no NSG004).
resource "azapi_resource" "db" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  name      = "snet-db"
  parent_id = azapi_resource.vnet.id
  body = {
    properties = {
      addressPrefix = "10.30.2.0/24"
    }
  }
}

resource "azapi_update_resource" "db_nsg" {
  type        = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  resource_id = azapi_resource.db.id
  body = {
    properties = {
      addressPrefix = "10.30.2.0/24"
      networkSecurityGroup = {
        id = azapi_resource.nsg.id
      }
    }
  }
}
