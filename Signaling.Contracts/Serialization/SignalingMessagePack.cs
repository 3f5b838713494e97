using MessagePack;
using MessagePack.Resolvers;

namespace Signaling.Contracts.Serialization;

/// <summary>
/// MessagePack settings under which the contract types mean what they mean in JSON: maps keyed by
/// the camelCase member names, enums as their lower-case wire strings, free-form values
/// (<c>userData</c>, <c>offerData</c>, <c>answerData</c>) as plain MessagePack maps, arrays, strings,
/// numbers, booleans and nil, and strings that must be valid UTF-8. .NET clients of the MessagePack
/// hub protocol pass <see cref="SerializerOptions"/> to it:
/// <code>
/// new HubConnectionBuilder()
///     .WithUrl(url)
///     .AddMessagePackProtocol(o => o.SerializerOptions = SignalingMessagePack.SerializerOptions)
///     .Build();
/// </code>
/// JavaScript clients need nothing: <c>@microsoft/signalr-protocol-msgpack</c> decodes these maps to
/// the same objects as JSON.
/// </summary>
public static class SignalingMessagePack
{
    /// <summary>
    /// The contract formatters first, then the resolvers SignalR's MessagePack protocol uses by default
    /// (enums by name, contractless objects) for anything else a caller sends.
    /// </summary>
    public static IFormatterResolver Resolver { get; } = CompositeResolver.Create(
        ContractResolver.Instance,
        DynamicEnumAsStringResolver.Instance,
        ContractlessStandardResolver.Instance);

    /// <summary>
    /// <see cref="Resolver"/> with <see cref="MessagePackSecurity.UntrustedData"/> (bounded nesting,
    /// collision-resistant map keys), as SignalR's own default options have.
    /// </summary>
    public static MessagePackSerializerOptions SerializerOptions { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(Resolver)
        .WithSecurity(MessagePackSecurity.UntrustedData);
}
