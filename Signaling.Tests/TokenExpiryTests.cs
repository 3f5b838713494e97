using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.AspNetCore.SignalR.Client;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// A hub connection is authenticated when it opens; <c>Signaling:Jwt:CloseOnExpiration</c> says which
/// connections the server closes when that token expires. The official .NET client with automatic
/// reconnect asks its token provider again and comes back, as a user's application would.
/// </summary>
public sealed class TokenExpiryTests
{
    [Fact]
    public async Task By_default_an_admin_is_closed_at_its_tokens_expiry_and_reconnects_with_a_fresh_one_while_a_device_stays()
    {
        using var app = new SignalingApplication();
        // The device's token runs out a second before the admin's, so by the time the admin is closed the
        // server has looked at the device past its expiry too.
        await using var device = await ExpiringConnection.StartAsync(app, "device-1", [SignalingClaims.ClientRole], TimeSpan.FromSeconds(2));
        await using var admin = await ExpiringConnection.StartAsync(app, "admin-1", [SignalingClaims.AdminRole], TimeSpan.FromSeconds(3));

        var closedAt = await admin.Lost.WaitAsync(Timeouts.Default);
        Assert.True(closedAt >= admin.FirstTokenExpiry, $"closed at {closedAt:O}, before its token's expiry {admin.FirstTokenExpiry:O}");
        await admin.Back.WaitAsync(Timeouts.Default);
        Assert.True(admin.TokensIssued >= 1);
        await admin.Connection.InvokeAsync<PingResult>(nameof(ISignalingHub.Ping)).WaitAsync(Timeouts.Default);

        Assert.Equal(HubConnectionState.Connected, device.Connection.State);
        Assert.False(device.Lost.IsCompleted);
        await device.Connection.InvokeAsync<PingResult>(nameof(ISignalingHub.Ping)).WaitAsync(Timeouts.Default);
        Assert.Equal(0, device.TokensIssued);
    }

    [Fact]
    public async Task With_all_every_connection_is_closed_at_its_tokens_expiry_and_reconnects_with_a_fresh_one()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Jwt:CloseOnExpiration"] = "All" });
        await using var guest = await ExpiringConnection.StartAsync(app, "guest-1", [], TimeSpan.FromSeconds(2));

        var closedAt = await guest.Lost.WaitAsync(Timeouts.Default);
        Assert.True(closedAt >= guest.FirstTokenExpiry, $"closed at {closedAt:O}, before its token's expiry {guest.FirstTokenExpiry:O}");
        await guest.Back.WaitAsync(Timeouts.Default);
        await guest.Connection.InvokeAsync<PingResult>(nameof(ISignalingHub.Ping)).WaitAsync(Timeouts.Default);
        Assert.True(guest.TokensIssued >= 1);
    }

    [Fact]
    public async Task With_none_an_admin_outlives_its_token()
    {
        using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Jwt:CloseOnExpiration"] = "None" });
        await using var admin = await ExpiringConnection.StartAsync(app, "admin-1", [SignalingClaims.AdminRole], TimeSpan.FromSeconds(2));

        // What is tested is that nothing happens as time passes: wait out the expiry and a few of
        // SignalR's once-a-second sweeps of expired connections, then look.
        var wait = admin.FirstTokenExpiry + TimeSpan.FromSeconds(3) - DateTimeOffset.UtcNow;
        await Task.WhenAny(admin.Lost, Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero));

        Assert.False(admin.Lost.IsCompleted, "the admin's connection was closed");
        await admin.Connection.InvokeAsync<PingResult>(nameof(ISignalingHub.Ping)).WaitAsync(Timeouts.Default);
        Assert.Equal(0, admin.TokensIssued);
    }

    [Fact]
    public void A_value_that_is_not_a_mode_stops_the_start_naming_the_key()
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using var app = new SignalingApplication(new Dictionary<string, string?> { ["Signaling:Jwt:CloseOnExpiration"] = "sometimes" });
        });
        Assert.Contains("Signaling:Jwt:CloseOnExpiration", ProblemAssert.Messages(error), StringComparison.Ordinal);
        Assert.Contains("None, Admins, All", ProblemAssert.Messages(error), StringComparison.Ordinal);
    }

    /// <summary>
    /// The official client with automatic reconnect and a token provider that mints a short-lived
    /// token the first time and an hour-long one after, as an application refreshing its token would.
    /// </summary>
    private sealed class ExpiringConnection : IAsyncDisposable
    {
        private readonly TaskCompletionSource<DateTimeOffset> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _back = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _tokensIssued;
        private volatile bool _started;

        private ExpiringConnection(HubConnection connection) => Connection = connection;

        public HubConnection Connection { get; }

        public DateTimeOffset FirstTokenExpiry { get; private set; }

        private string? FirstToken { get; set; }

        /// <summary>Tokens minted after the first connect (which asks twice: for the negotiate and for the WebSocket).</summary>
        public int TokensIssued => Volatile.Read(ref _tokensIssued);

        /// <summary>When the connection was lost (reconnecting or closed).</summary>
        public Task<DateTimeOffset> Lost => _lost.Task;

        /// <summary>Reconnected after being lost.</summary>
        public Task Back => _back.Task;

        public static async Task<ExpiringConnection> StartAsync(SignalingApplication host, string sub, string[] roles, TimeSpan firstLifetime)
        {
            ExpiringConnection? self = null;
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(host.BaseAddress, SignalingRoutes.Hub), options => options.AccessTokenProvider = () => Task.FromResult<string?>(self!.Mint(sub, roles, firstLifetime)))
                .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)])
                .Build();
            self = new ExpiringConnection(connection);
            connection.Reconnecting += _ => { self._lost.TrySetResult(DateTimeOffset.UtcNow); return Task.CompletedTask; };
            connection.Closed += _ => { self._lost.TrySetResult(DateTimeOffset.UtcNow); return Task.CompletedTask; };
            connection.Reconnected += _ => { self._back.TrySetResult(); return Task.CompletedTask; };
            await connection.StartAsync().WaitAsync(Timeouts.Default);
            self._started = true;
            return self;
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();

        private string Mint(string sub, string[] roles, TimeSpan firstLifetime)
        {
            if (_started)
            {
                Interlocked.Increment(ref _tokensIssued);
                return Tokens.Create(sub, roles: roles, org: "acme", expires: DateTime.UtcNow.AddHours(1));
            }

            // One expiry for every request of the first connect; 'exp' has whole seconds, so the expiry
            // the server sees is read back from the token rather than taken from what was asked for.
            if (FirstToken is null)
            {
                FirstToken = Tokens.Create(sub, roles: roles, org: "acme", expires: DateTime.UtcNow + firstLifetime);
                FirstTokenExpiry = new JsonWebToken(FirstToken).ValidTo;
            }

            var token = FirstToken;
            return token;
        }
    }
}
