// A local module builds the NSG; its output id is attached to the subnet.
module nsg './modules/nsg.bicep' = {
  name: 'nsg'
  params: {
    nsgName: 'nsg-mod'
    sshSource: 'Internet'
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-mod'
  location: 'westeurope'
  properties: {
    addressSpace: { addressPrefixes: ['10.4.0.0/16'] }
    subnets: [
      {
        name: 'jump'
        properties: {
          addressPrefix: '10.4.0.0/24'
          networkSecurityGroup: { id: nsg.outputs.nsgId }
        }
      }
    ]
  }
}
