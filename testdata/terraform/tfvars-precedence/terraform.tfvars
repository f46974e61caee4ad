resource_group_name = "rg-app"
admin_cidr          = "198.51.100.0/24"
allowed_sources     = ["10.20.0.0/16", "10.30.0.0/16"]
