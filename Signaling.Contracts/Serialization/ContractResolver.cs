using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;

namespace Signaling.Contracts.Serialization;

/// <summary>
/// Formatters for the types of this assembly (records and enums), for <see cref="JsonElement"/> and for
/// strings; every other type is left to the resolvers after it.
/// </summary>
internal sealed class ContractResolver : IFormatterResolver
{
    public static readonly ContractResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static object? Create(Type type)
    {
        if (type == typeof(string))
        {
            return Utf8StringFormatter.Instance;
        }

        if (type == typeof(JsonElement))
        {
            return JsonElementFormatter.Instance;
        }

        // Claimed here, or the enum resolver after this one would write a nullable contract enum by its C# name.
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return underlying.Assembly == typeof(ContractResolver).Assembly || underlying == typeof(JsonElement)
                ? Activator.CreateInstance(typeof(NullableFormatter<>).MakeGenericType(underlying))
                : null;
        }

        if (type.Assembly != typeof(ContractResolver).Assembly)
        {
            return null;
        }

        if (type.IsEnum)
        {
            return Activator.CreateInstance(typeof(EnumNameFormatter<>).MakeGenericType(type));
        }

        return type.IsClass && !type.IsAbstract && type.GetConstructors().Length > 0
            ? Activator.CreateInstance(typeof(RecordFormatter<>).MakeGenericType(type))
            : null;
    }

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = (IMessagePackFormatter<T>?)Create(typeof(T));
    }
}
