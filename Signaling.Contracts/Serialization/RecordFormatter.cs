using System.Buffers;
using System.Reflection;
using System.Text;
using MessagePack;
using MessagePack.Formatters;

namespace Signaling.Contracts.Serialization;

/// <summary>
/// A contract record as a MessagePack map keyed by its JSON names, read back through its primary
/// constructor. As with the JSON protocol, names match case-insensitively, unknown names are skipped,
/// and a missing member takes the parameter's default.
/// </summary>
internal sealed class RecordFormatter<T> : IMessagePackFormatter<T?>
    where T : class
{
    private readonly ConstructorInvoker _create;
    private readonly RecordMember<T>[] _members;

    public RecordFormatter()
    {
        var constructor = typeof(T).GetConstructors().MaxBy(c => c.GetParameters().Length)!;
        _create = ConstructorInvoker.Create(constructor);
        _members = [.. constructor.GetParameters().Select(RecordMember<T>.For)];
    }

    public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteMapHeader(_members.Length);
        foreach (var member in _members)
        {
            writer.WriteRaw(member.EncodedName);
            member.Write(ref writer, value, options);
        }
    }

    public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var count = reader.ReadMapHeader();
        options.Security.DepthStep(ref reader);
        var arguments = new object?[_members.Length];
        for (var i = 0; i < _members.Length; i++)
        {
            arguments[i] = _members[i].Default;
        }

        for (var i = 0; i < count; i++)
        {
            var at = Find(ref reader);
            if (at < 0)
            {
                reader.Skip();
            }
            // JavaScript encoders write an undefined property as nil where JSON.stringify drops it:
            // for a boolean, number or enum, nil means "not given", as the missing key does in JSON.
            else if (!(_members[at].NilMeansAbsent && reader.TryReadNil()))
            {
                arguments[at] = _members[at].Read(ref reader, options);
            }
        }

        reader.Depth--;
        return (T)_create.Invoke(arguments.AsSpan())!;
    }

    /// <summary>Reads a member name; the index of that member, or -1 for a name the record does not have.</summary>
    private int Find(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            throw new MessagePackSerializationException($"{typeof(T).Name}: member names must be strings");
        }

        var raw = reader.ReadStringSequence()!.Value;
        var name = raw.IsSingleSegment ? raw.FirstSpan : raw.ToArray();
        for (var i = 0; i < _members.Length; i++)
        {
            if (name.SequenceEqual(_members[i].Utf8Name))
            {
                return i;
            }
        }

        var text = Encoding.UTF8.GetString(name);
        return Array.FindIndex(_members, m => string.Equals(m.Name, text, StringComparison.OrdinalIgnoreCase));
    }
}

internal abstract class RecordMember<TOwner>(string name, object? defaultValue, bool nilMeansAbsent)
{
    public string Name { get; } = name;

    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(name);

    /// <summary>The name as a MessagePack string, written as it is.</summary>
    public byte[] EncodedName { get; } = Encode(name);

    public object? Default { get; } = defaultValue;

    public bool NilMeansAbsent { get; } = nilMeansAbsent;

    public abstract void Write(ref MessagePackWriter writer, TOwner owner, MessagePackSerializerOptions options);

    public abstract object? Read(ref MessagePackReader reader, MessagePackSerializerOptions options);

    /// <summary>
    /// Not through <see cref="MessagePackSerializer"/>: this runs while a formatter is first built, which
    /// may be in the middle of a serialization whose scratch buffer the serializer would reuse.
    /// </summary>
    private static byte[] Encode(string name)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(name);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static RecordMember<TOwner> For(ParameterInfo parameter)
    {
        var property = typeof(TOwner).GetProperty(parameter.Name!)!;
        var type = typeof(RecordMember<,>).MakeGenericType(typeof(TOwner), property.PropertyType);
        return (RecordMember<TOwner>)Activator.CreateInstance(type, property, parameter)!;
    }
}

internal sealed class RecordMember<TOwner, TValue>(PropertyInfo property, ParameterInfo parameter) : RecordMember<TOwner>(
    JsonNames.Of(property),
    parameter.HasDefaultValue ? parameter.DefaultValue : default(TValue),
    typeof(TValue).IsPrimitive || typeof(TValue).IsEnum)
{
    private readonly Func<TOwner, TValue> _get = property.GetMethod!.CreateDelegate<Func<TOwner, TValue>>();

    public override void Write(ref MessagePackWriter writer, TOwner owner, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<TValue>().Serialize(ref writer, _get(owner), options);

    public override object? Read(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        try
        {
            return options.Resolver.GetFormatterWithVerify<TValue>().Deserialize(ref reader, options);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException or ArgumentException or OverflowException)
        {
            // Names the member, as the JSON reader's path does: each enclosing record adds its member
            // in front, so the message ends up as the whole path ("'mediaState': 'audio': ...").
            throw new MessagePackSerializationException($"'{Name}': {ex.Message}");
        }
    }
}
