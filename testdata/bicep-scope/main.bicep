// A module deployed into another resource group: its resources' ids name that group.
module net './net.bicep' = {
  name: 'net'
  scope: resourceGroup('rg-net')
}

resource nicOwnGroup 'Microsoft.Network/networkInterfaces@2024-05-01' = {
  name: 'nic-own-group'
  location: 'westeurope'
  properties: {
    networkSecurityGroup: { id: resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-net') }
  }
}

resource nicNetGroup 'Microsoft.Network/networkInterfaces@2024-05-01' = {
  name: 'nic-net-group'
  location: 'westeurope'
  properties: {
    networkSecurityGroup: { id: net.outputs.nsgId }
  }
}

module sub './net.bicep' = {
  name: 'sub'
  scope: resourceGroup('0000-sub', 'rg-other')
}

resource nicOtherSub 'Microsoft.Network/networkInterfaces@2024-05-01' = {
  name: 'nic-other-sub'
  location: 'westeurope'
  properties: {
    networkSecurityGroup: { id: sub.outputs.nsgId }
  }
}
