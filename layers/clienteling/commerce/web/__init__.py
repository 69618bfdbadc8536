"""Commerce's server-rendered pages and emails: the cart page and the receipt."""
