"""out_s3's parts: bucket access with its error mapping (bucket.py) and
object keys from ``s3_object_key_format`` (keys.py)."""
