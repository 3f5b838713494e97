using System.Net;
using System.Text.Json;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Reliability;

/// <summary>
/// Every HTTP route the service maps × the bad input that applies to it → the documented status
/// and code. Each case also checks that nothing changed (rooms, members, files, clients, requests
/// as their owners see them), that no answer leaks another organization's data or reflects an
/// injected header, and that the service is still ready and serving.
/// </summary>
public sealed class HttpBadInputTests(HttpBadInputFixture fixture) : IClassFixture<HttpBadInputFixture>
{
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_its_documented_refusal_and_changes_nothing(string route, string input)
    {
        var name = $"{route} · {input}";
        var @case = HttpBadInputCases.ByName[(route, input)];
        var before = await fixture.SnapshotAsync();

        using var response = await SendAsync(@case.Probe);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(@case.Expect.Status == response.StatusCode, $"{name}: expected {(int)@case.Expect.Status}, got {(int)response.StatusCode}: {body}");
        if (@case.Expect.Problem)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal((int)@case.Expect.Status, problem.RootElement.GetProperty("status").GetInt32());
            var code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            Assert.True(@case.Expect.Code == code, $"{name}: expected code {@case.Expect.Code ?? "none"}, got {code ?? "none"}: {body}");
        }

        if (@case.Probe.Caller is "rival" or "gus" or "loner")
        {
            Assert.DoesNotContain(HttpBadInputFixture.AcmeSecrets, secret => body.Contains(secret, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(response.Headers.Concat(response.Content.Headers), h => h.Key.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
        if (@case.Expect.Then is { } then)
        {
            await then(fixture, body);
        }

        if (!@case.Expect.Changes)
        {
            Assert.Equal(before, await fixture.SnapshotAsync());
        }

        await StillServingAsync();
    }

    /// <summary>Two arguments, so that test runners show both in full (they shorten each to 50 characters).</summary>
    public static TheoryData<string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string>();
            foreach (var (route, input) in HttpBadInputCases.ByName.Keys)
            {
                cases.Add(route, input);
            }

            return cases;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpBadInputCases.Probe call)
    {
        // Sent exactly as written: Uri would otherwise decode %2e%2e and remove the dot segments itself.
        var uri = new Uri(fixture.App.BaseAddress.GetLeftPart(UriPartial.Authority) + fixture.Resolve(call.Path),
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), uri);
        if (call.Body is not null)
        {
            request.Content = new ByteArrayContent(call.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", call.ContentType);
        }

        var token = call.Token ?? (call.Caller.Length == 0 ? null : fixture.Callers[call.Caller]);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await http.SendAsync(request);
    }

    private async Task StillServingAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http("").GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http("owner").GetAsync($"/api/rooms/{fixture.RoomId}")).StatusCode);
        await fixture.Alice.Client.Ping().WaitAsync(Timeouts.Default);
    }
}
