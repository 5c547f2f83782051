"""Data in and out of the engine: CSV files, the command line, the Shopify Admin API."""
