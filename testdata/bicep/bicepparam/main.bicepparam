using './main.bicep'

var prefix = 'nsg'
param nsgName = '${prefix}-ops'
param sshSource = 'Internet'
