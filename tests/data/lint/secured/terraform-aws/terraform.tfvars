app_subnets = ["10.0.1.0/24"]
