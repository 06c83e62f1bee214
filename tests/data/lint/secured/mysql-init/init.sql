CREATE USER 'report'@'%' IDENTIFIED BY 'Zq8!w2pLm';
CREATE USER 'backup'@'localhost';
GRANT SELECT ON *.* TO 'report'@'%';
