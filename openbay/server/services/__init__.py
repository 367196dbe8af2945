"""Services: the server's logic, between the routes and the store/backends."""
