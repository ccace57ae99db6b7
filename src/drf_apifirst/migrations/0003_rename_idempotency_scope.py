from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("drf_apifirst", "0002_idempotencyrecord"),
    ]

    operations = [
        migrations.RenameField(
            model_name="idempotencyrecord", old_name="scope", new_name="record_key"
        ),
    ]
