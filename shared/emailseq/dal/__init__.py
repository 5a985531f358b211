"""Data access: the AWS adapters behind the domain's ports. The only package that imports boto3."""
