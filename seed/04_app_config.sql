-- Remote config (what PicKitchen kept in Nacos). Inserted once: later edits made in Studio are kept.
-- driven_id values are template ids of DashScope's emoji-v1 model (see its template list); add more there.
insert into public.app_config (app_id, key, value, description) values
  ('pickitchen', 'styles', $json$[
    {"category": "萌娃", "category_en": "Cute", "sort": 1, "templates": [
      {"driven_id": "mengwa_kaixin", "name": "开心", "name_en": "Happy", "preview_url": "https://cdn.pickitchen.app/previews/mengwa_kaixin.webp", "points": 10, "sort": 1}
    ]},
    {"category": "经典", "category_en": "Classic", "sort": 2, "templates": [
      {"driven_id": "jingdian_xianqi", "name": "嫌弃", "name_en": "Disgusted", "preview_url": "https://cdn.pickitchen.app/previews/jingdian_xianqi.webp", "points": 10, "sort": 1}
    ]}
  ]$json$, 'Template categories; each template: driven_id (DashScope emoji-v1), name, preview, points (else points_rules.emoji), enabled (default true).'),
  ('pickitchen', 'banners', $json$[
    {"id": 1, "image_url": "https://cdn.pickitchen.app/banners/vip-weekly.webp", "link": "pickitchen://vip", "sort": 1},
    {"id": 2, "image_url": "https://cdn.pickitchen.app/banners/new-templates.webp", "link": "pickitchen://styles/经典", "sort": 2}
  ]$json$, 'Home banners, in sort order.'),
  ('pickitchen', 'points_rules', '{"emoji": 10, "avatar": 20}', 'Point price per task type (a template''s own points win).')
on conflict (app_id, key) do nothing;
