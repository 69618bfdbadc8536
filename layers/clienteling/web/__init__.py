"""Server-rendered pages and emails: Jinja2 templates packaged with the layer, Babel for money and dates."""
