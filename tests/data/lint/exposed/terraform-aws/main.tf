variable "db_clients" {
  type    = list(string)
  default = ["0.0.0.0/0"]
}

resource "aws_security_group" "mongo" {
  name   = "mongo"
  vpc_id = "vpc-0abc"

  ingress {
    description = "mongo"
    from_port   = 27017
    to_port     = 27017
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # expect: LH120 high
  }

  ingress {
    from_port       = 22
    to_port         = 22
    protocol        = "tcp"
    security_groups = ["sg-0bastion"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis_v6" {
  security_group_id = aws_security_group.mongo.id
  cidr_ipv6         = "::/0" # expect: LH120 high
  from_port         = 6379
  ip_protocol       = "tcp"
  to_port           = 6379
}

resource "aws_security_group_rule" "postgres" {
  type              = "ingress"
  from_port         = 5432
  to_port           = 5432
  protocol          = "tcp"
  cidr_blocks       = var.db_clients # expect: LH120 high
  security_group_id = aws_security_group.mongo.id
}

resource "aws_security_group" "all_open" {
  name = "everything"
  # expect-next: LH120 high
  ingress = [
    {
      from_port        = 0
      to_port          = 0
      protocol         = "-1"
      cidr_blocks      = []
      ipv6_cidr_blocks = ["::/0"]
      description      = "all traffic"
      prefix_list_ids  = []
      security_groups  = []
      self             = false
    }
  ]
}
