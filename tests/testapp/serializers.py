from rest_framework import serializers

from tests.testapp.models import Task


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done"]


class ItemSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=8)
    quantity = serializers.IntegerField(min_value=1)


class AddressSerializer(serializers.Serializer):
    city = serializers.CharField()
    zip = serializers.RegexField(r"^\d{5}$")

    def validate(self, attrs):
        if attrs["city"] == "Nowhere":
            raise serializers.ValidationError("We do not ship to Nowhere.", code="no_shipping")
        return attrs


class OrderSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=20)
    items = ItemSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    address = AddressSerializer(required=False)

    def validate(self, attrs):
        if attrs["title"] == "forbidden":
            raise serializers.ValidationError("This order is not allowed.", code="forbidden_order")
        return attrs
