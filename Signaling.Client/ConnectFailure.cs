using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Signaling.Client;

/// <summary>
/// Turns what Microsoft's client throws when a connect fails into a <see cref="SignalingConnectionException"/>
/// that carries the HTTP status of the refusal, wherever it happened (negotiate or transport request), and
/// whose message never holds the access token.
/// </summary>
internal static partial class ConnectFailure
{
    /// <summary>
    /// Everything that escapes StartAsync is a connect failure but the caller's cancellation and misuse
    /// (starting a connection that is not disconnected), which pass through unchanged.
    /// </summary>
    public static bool Applies(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        InvalidOperationException => false,
        _ => true,
    };

    public static SignalingConnectionException Describe(Exception exception, Uri? hubUri, string? token)
    {
        var where = hubUri is null ? "the signaling hub" : $"the signaling hub at {hubUri.GetLeftPart(UriPartial.Path)}";
        var status = StatusOf(exception);
        var message = status is { } refused
            ? $"{where} refused the connection with HTTP {refused} ({(HttpStatusCode)refused})."
            : $"Could not connect to {where}: {Scrub(Messages(exception), token)}";
        // An inner exception whose text holds the token would show it in every log line of this one.
        var full = exception.ToString();
        var inner = Scrub(full, token) == full ? exception : null;
        return new SignalingConnectionException(char.ToUpperInvariant(message[0]) + message[1..], status, inner);
    }

    private static int? StatusOf(Exception exception) => exception switch
    {
        HttpRequestException { StatusCode: { } status } => (int)status,
        // ClientWebSocket reports a refused upgrade only in its message (its HttpStatusCode property is out of reach).
        WebSocketException webSocket when RefusedUpgrade().Match(webSocket.Message) is { Success: true } match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
        AggregateException aggregate => aggregate.InnerExceptions.Select(StatusOf).FirstOrDefault(s => s is not null),
        { InnerException: { } inner } => StatusOf(inner),
        _ => null,
    };

    /// <summary>The messages of the whole chain: an AggregateException's own message already lists its inner ones'.</summary>
    private static string Messages(Exception exception) => exception switch
    {
        AggregateException => exception.Message,
        { InnerException: { } inner } => $"{exception.Message} ({Messages(inner)})",
        _ => exception.Message,
    };

    private static string Scrub(string text, string? token)
    {
        if (!string.IsNullOrEmpty(token))
        {
            text = text.Replace(token, "***", StringComparison.Ordinal).Replace(Uri.EscapeDataString(token), "***", StringComparison.Ordinal);
        }

        return AccessTokenParameter().Replace(text, "$1***");
    }

    [GeneratedRegex("status code '([1-5][0-9][0-9])'")]
    private static partial Regex RefusedUpgrade();

    [GeneratedRegex("(access_token=)[^&\\s'\"]+")]
    private static partial Regex AccessTokenParameter();
}
