"""Incidents (突发事件, letter 事) and the street's risk notes (风险提示 / 苗头信息)."""
