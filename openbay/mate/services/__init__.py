"""Mate's services: session, file_upload, browser."""
