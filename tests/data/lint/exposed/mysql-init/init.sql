CREATE DATABASE IF NOT EXISTS shop;
CREATE USER IF NOT EXISTS 'app'@'10.0.%' IDENTIFIED BY 'k8Jd7s0qP';
CREATE USER 'report'@'%';  -- expect: LH101 high
GRANT SELECT ON shop.* TO 'report'@'%';
CREATE USER 'local_admin'@'localhost';
