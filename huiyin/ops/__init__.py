"""Operations: `huiyin backup`, `huiyin restore` and `huiyin doctor` (docs/deploy.md)."""
