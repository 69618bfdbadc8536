"""Directory: the retailer's stores, associates, customers and their consent, the catalog and business
settings. Other features read it through `directory.ports`."""
