// The motivating incident fixed: AllowInstances at 350 admits RDP within the subnet.
param location string = resourceGroup().location
param clientAddress string = '172.16.0.0'
param roleSubnetPrefix string = '10.1.0.0/24'

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-roles'
  location: location
  properties: {
    securityRules: [
      {
        name: 'AllowLB'
        properties: {
          priority: 200
          direction: 'Inbound'
          access: 'Allow'
          protocol: '*'
          sourceAddressPrefix: 'AzureLoadBalancer'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
        }
      }
      {
        name: 'AllowLocalRDP'
        properties: {
          priority: 300
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: clientAddress
          sourcePortRange: '*'
          destinationAddressPrefix: roleSubnetPrefix
          destinationPortRanges: [
            '3389'
            '20000'
          ]
        }
      }
      {
        name: 'AllowInstances'
        properties: {
          priority: 350
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: roleSubnetPrefix
          sourcePortRange: '*'
          destinationAddressPrefix: roleSubnetPrefix
          destinationPortRanges: [
            '3389'
            '20000'
          ]
        }
      }
      {
        name: 'DenyAll'
        properties: {
          priority: 400
          direction: 'Inbound'
          access: 'Deny'
          protocol: '*'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-cs'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.1.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'roles'
        properties: {
          addressPrefix: roleSubnetPrefix
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}
