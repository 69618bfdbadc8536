"""Commerce: remote carts, the customer's cart page, payment links, orders and what follows a payment."""
