using System.Net;
using System.Net.Http.Json;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Reliability;

/// <summary>
/// A room token (<c>POST /api/rooms/{roomId}/tokens</c>) is an invitation to one room: replayed
/// after that room is deleted, it opens neither the deleted room nor a room created later under
/// the same id, whoever creates it.
/// </summary>
public sealed class RoomTokenReplayTests : IDisposable
{
    private readonly SignalingApplication _app = new();

    [Fact]
    public async Task A_token_of_a_deleted_room_is_refused_and_does_not_bring_the_room_back()
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var (roomId, token) = await CreateRoomWithTokenAsync(owner);
        await using (var guest = await _app.ConnectAsync(token))
        {
            await guest.Client.JoinRoom(new JoinRoomRequest(roomId));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/rooms/{roomId}")).StatusCode);

        await using var replay = await _app.ConnectAsync(token);
        await ErrorAssert.Code(ErrorCodes.RoomNotFound, () => replay.Client.JoinRoom(new JoinRoomRequest(roomId)));
        Assert.Equal(0, (await owner.GetFromJsonAsync<RoomPage>("/api/rooms"))!.Total);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/rooms/{roomId}")).StatusCode);
    }

    public static TheoryData<string, string?> Recreators => new()
    {
        { "someone of the same organization", "acme" },
        { "someone of another organization", "globex" },
        { "someone of no organization", null },
    };

    [Theory]
    [MemberData(nameof(Recreators))]
    public async Task A_token_of_a_deleted_room_does_not_open_a_room_created_again_under_its_id(string recreator, string? recreatorOrg)
    {
        using var owner = _app.CreateHttpClient(Tokens.Create("owner", org: "acme"));
        var (roomId, token) = await CreateRoomWithTokenAsync(owner);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/rooms/{roomId}")).StatusCode);

        await using var newOwner = await _app.JoinAsync("new-owner", roomId, org: recreatorOrg);
        await using var replay = await _app.ConnectAsync(token);
        await ErrorAssert.Code(ErrorCodes.Forbidden, () => replay.Client.JoinRoom(new JoinRoomRequest(roomId)));

        // The old invitation shows nothing of the new room either: no members, no details.
        using var replayHttp = _app.CreateHttpClient(token);
        await ProblemAssert.Code(await replayHttp.GetAsync($"/api/rooms/{roomId}"), HttpStatusCode.NotFound, ErrorCodes.RoomNotFound);

        // A token the new room's owner issues for it works: the refusal is about the stale token, not the room.
        using var newOwnerHttp = _app.CreateHttpClient(Tokens.Create("new-owner", org: recreatorOrg));
        var fresh = await newOwnerHttp.PostAsJsonAsync($"/api/rooms/{roomId}/tokens", new RoomTokenRequest());
        Assert.True(fresh.StatusCode == HttpStatusCode.OK, $"{recreator}: {fresh.StatusCode}");
        await using var invited = await _app.ConnectAsync((await fresh.Content.ReadFromJsonAsync<RoomTokenResponse>())!.Token);
        var freshJoin = await invited.Client.JoinRoom(new JoinRoomRequest(roomId));

        // Had the stale token got in, its arrival would come first and its member would be listed.
        Assert.Equal(freshJoin.PeerId, (await newOwner.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined))).PeerId);
        var details = (await newOwnerHttp.GetFromJsonAsync<RoomDetails>($"/api/rooms/{roomId}"))!;
        Assert.Equal([freshJoin.PeerId, "new-owner"], details.Members.Select(m => m.PeerId).Order(StringComparer.Ordinal));
    }

    private static async Task<(string RoomId, string Token)> CreateRoomWithTokenAsync(HttpClient owner)
    {
        var created = await owner.PostAsJsonAsync("/api/rooms", new CreateRoomRequest("Invite only"));
        created.EnsureSuccessStatusCode();
        var roomId = (await created.Content.ReadFromJsonAsync<CreateRoomResponse>())!.RoomId;
        var issued = await owner.PostAsJsonAsync($"/api/rooms/{roomId}/tokens", new RoomTokenRequest(10));
        issued.EnsureSuccessStatusCode();
        return (roomId, (await issued.Content.ReadFromJsonAsync<RoomTokenResponse>())!.Token);
    }

    public void Dispose() => _app.Dispose();
}
