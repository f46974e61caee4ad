admin_cidr = "203.0.113.10"
