// The incident with the cloud service itself, in Bicep: the RDP extension enables Remote Desktop
// on WebRole1, and the ServiceConfiguration.Cloud.cscfg beside this file places both roles in
// subnet `roles` (the deployment names it by `configurationUrl`).
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

@secure()
param configurationSasUri string

resource cs 'Microsoft.Compute/cloudServices@2022-09-04' = {
  name: 'ContosoCS'
  location: location
  dependsOn: [
    vnet
  ]
  properties: {
    packageUrl: 'https://example.blob.core.windows.net/cs/ContosoCS.cspkg'
    configurationUrl: configurationSasUri
    roleProfile: {
      roles: [
        {
          name: 'WebRole1'
          sku: { name: 'Standard_D1_v2', capacity: 2 }
        }
        {
          name: 'WorkerRole1'
          sku: { name: 'Standard_D1_v2', capacity: 2 }
        }
      ]
    }
    extensionProfile: {
      extensions: [
        {
          name: 'RDPExtension'
          properties: {
            publisher: 'Microsoft.Windows.Azure.Extensions'
            type: 'RDP'
            typeHandlerVersion: '1.2.1'
            rolesAppliedTo: [
              'WebRole1'
            ]
          }
        }
      ]
    }
  }
}
