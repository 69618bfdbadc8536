"""DynamoDB access, one repository per aggregate. Key formats live only in keys.py."""
