using Signaling.Contracts;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Reliability;

/// <summary>Frames SignalR's JSON reader gives up on: the caller is answered or the frame skipped, and the connection stays.</summary>
public sealed class UnreadableFrameTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    public static TheoryData<string, string> Frames => new()
    {
        { "nesting beyond the reader's depth", $$"""{"type":1,"invocationId":"7","target":"JoinRoom","arguments":[{{new string('[', 300)}}{{new string(']', 300)}}]}""" },
        { "lone surrogate", """{"type":1,"invocationId":"7","target":"JoinRoom","arguments":[{"roomId":"\ud800"}]}""" },
        { "unknown target with deep nesting", $$"""{"type":1,"invocationId":"7","target":"Nope","arguments":[{{new string('[', 300)}}{{new string(']', 300)}}]}""" },
        { "truncated JSON", """{"type":1,"invocationId":"7","target":"JoinRoom","arguments":[{"roomId":""" },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task An_unreadable_invocation_gets_invalid_argument_and_the_connection_stays(string kind, string frame)
    {
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        await client.SendRawAsync(frame + "\u001e");
        var answer = await client.ReceiveMessageAsync();
        Assert.True(answer.GetProperty("type").GetInt32() == 3, $"{kind}: {answer}");
        Assert.Equal("7", answer.GetProperty("invocationId").GetString());
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCodes.Parse(answer.GetProperty("error").GetString()));
        Assert.False((await client.InvokeRawAsync("Ping", "[]")).TryGetProperty("error", out _));
    }

    [Theory]
    [InlineData("JoinRoom", """[{"roomId":"r","userData":{"k":["\ud800"]}}]""")]
    [InlineData("JoinRoom", """[{"roomId":"r","userData":{"k":{"\udfff":1}}}]""")]
    public async Task Free_form_json_with_a_lone_surrogate_is_refused_up_front(string method, string arguments)
    {
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        var answer = await client.InvokeRawAsync(method, arguments);
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCodes.Parse(answer.GetProperty("error").GetString()));
        Assert.False((await client.InvokeRawAsync("Ping", "[]")).TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_frame_that_is_not_json_is_skipped_and_the_next_one_in_the_same_read_is_served()
    {
        using var client = await RawHubClient.ConnectAsync(_app, Tokens.Create("alice"));
        await client.SendRawAsync("this is not json\u001e" + """{"type":1,"invocationId":"9","target":"Ping","arguments":[]}""" + "\u001e");
        var answer = await client.ReceiveMessageAsync();
        Assert.Equal(("9", false), (answer.GetProperty("invocationId").GetString(), answer.TryGetProperty("error", out _)));
    }

    public void Dispose() => _app.Dispose();
}
