import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * What ZooKeeper 3.6+ offers beyond the basic API, as a client sees it: persistent and
 * persistent-recursive watches (addWatch), removeWatches and checkWatches, multiRead, TTL nodes,
 * getACL's masking of digests, and the super user. It prints one line per observation, so the
 * output against Apache ZooKeeper and against paxoscope can be compared line by line.
 *
 * Usage: java ParityZooKeeper HOST:PORT,... SUPER_PASSWORD
 * The servers need extendedTypesEnabled=true and superDigest set for "super:SUPER_PASSWORD".
 */
public class ParityZooKeeper {
    static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    /** A watcher that keeps what it is told, for the test to print. */
    static final class Recorder implements Watcher {
        final String name;
        final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public void process(WatchedEvent event) {
            if (event.getType() != Event.EventType.None) {
                events.add(event.getType() + " " + event.getPath());
            }
        }

        /** Everything heard until nothing more comes for a while. */
        void print() throws InterruptedException {
            String event;
            while ((event = events.poll(700, TimeUnit.MILLISECONDS)) != null) {
                System.out.println(name + ": " + event);
            }
        }
    }

    static ZooKeeper connect(String hosts) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(hosts, 10000, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not connected");
        }
        return zk;
    }

    static String code(Runnable5 action) throws Exception {
        try {
            action.run();
            return "OK";
        } catch (KeeperException e) {
            return e.code().name();
        }
    }

    interface Runnable5 {
        void run() throws Exception;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        String hosts = args[0];
        String superPassword = args[1];
        ZooKeeper zk = connect(hosts);
        String base = "/parity";
        zk.create(base, bytes("base"), OPEN, CreateMode.PERSISTENT);

        // Persistent-recursive: every event below, NodeChildrenChanged excepted.
        Recorder recursive = new Recorder("recursive");
        zk.addWatch(base + "/r", recursive, AddWatchMode.PERSISTENT_RECURSIVE);
        zk.create(base + "/r", bytes(""), OPEN, CreateMode.PERSISTENT);
        zk.create(base + "/r/a", bytes(""), OPEN, CreateMode.PERSISTENT);
        zk.setData(base + "/r/a", bytes("x"), -1);
        zk.create(base + "/r/a/b", bytes(""), OPEN, CreateMode.PERSISTENT);
        zk.delete(base + "/r/a/b", -1);
        zk.delete(base + "/r/a", -1);
        zk.setData(base + "/r", bytes("y"), -1);
        recursive.print();

        // Persistent: every event on the node itself, NodeChildrenChanged included; it stays.
        Recorder persistent = new Recorder("persistent");
        zk.addWatch(base + "/p", persistent, AddWatchMode.PERSISTENT);
        zk.create(base + "/p", bytes(""), OPEN, CreateMode.PERSISTENT);
        zk.create(base + "/p/c", bytes(""), OPEN, CreateMode.PERSISTENT);
        zk.setData(base + "/p", bytes("1"), -1);
        zk.setData(base + "/p/c", bytes("1"), -1);
        zk.delete(base + "/p/c", -1);
        zk.delete(base + "/p", -1);
        zk.create(base + "/p", bytes(""), OPEN, CreateMode.PERSISTENT);
        persistent.print();

        // Removing watches: the persistent one, then a one-shot data watch; none left after.
        System.out.println("remove persistent: "
                + code(() -> zk.removeWatches(base + "/p", persistent, Watcher.WatcherType.Any, false)));
        zk.setData(base + "/p", bytes("2"), -1);
        persistent.print();
        Recorder oneShot = new Recorder("one-shot");
        zk.getData(base + "/p", oneShot, null);
        System.out.println("remove data watch: "
                + code(() -> zk.removeWatches(base + "/p", oneShot, Watcher.WatcherType.Data, false)));
        System.out.println("remove it again: "
                + code(() -> zk.removeWatches(base + "/p", oneShot, Watcher.WatcherType.Data, false)));
        zk.setData(base + "/p", bytes("3"), -1);
        oneShot.print();
        zk.exists(base + "/missing", oneShot);
        System.out.println("remove all on a missing node: "
                + code(() -> zk.removeAllWatches(base + "/missing", Watcher.WatcherType.Any, false)));
        System.out.println("remove all again: "
                + code(() -> zk.removeAllWatches(base + "/missing", Watcher.WatcherType.Any, false)));

        // multiRead: each read on its own.
        zk.create(base + "/m", bytes("data"), OPEN, CreateMode.PERSISTENT);
        zk.create(base + "/m/one", bytes(""), OPEN, CreateMode.PERSISTENT);
        List<OpResult> reads = zk.multi(Arrays.asList(
                Op.getData(base + "/m"), Op.getChildren(base + "/m"), Op.getData(base + "/none")));
        for (OpResult result : reads) {
            if (result instanceof OpResult.GetDataResult) {
                OpResult.GetDataResult data = (OpResult.GetDataResult) result;
                System.out.println("multiRead getData: " + new String(data.getData(), StandardCharsets.UTF_8)
                        + " version " + data.getStat().getVersion());
            } else if (result instanceof OpResult.GetChildrenResult) {
                System.out.println("multiRead getChildren: " + ((OpResult.GetChildrenResult) result).getChildren());
            } else if (result instanceof OpResult.ErrorResult) {
                System.out.println("multiRead error: "
                        + KeeperException.Code.get(((OpResult.ErrorResult) result).getErr()).name());
            }
        }

        // TTL nodes: shown with ephemeralOwner 0; gone once unwritten for longer than the TTL.
        Stat stat = new Stat();
        zk.create(base + "/ttl", bytes(""), OPEN, CreateMode.PERSISTENT_WITH_TTL, stat, 300);
        System.out.println("ttl node ephemeralOwner: " + stat.getEphemeralOwner());
        long deadline = System.currentTimeMillis() + 30000;
        while (zk.exists(base + "/ttl", false) != null && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        System.out.println("ttl node gone: " + (zk.exists(base + "/ttl", false) == null));

        // Containers: swept once empty after having had a child.
        zk.create(base + "/c", bytes(""), OPEN, CreateMode.CONTAINER);
        zk.create(base + "/c/child", bytes(""), OPEN, CreateMode.PERSISTENT);
        Thread.sleep(500);
        System.out.println("container with a child kept: " + (zk.exists(base + "/c", false) != null));
        zk.delete(base + "/c/child", -1);
        deadline = System.currentTimeMillis() + 30000;
        while (zk.exists(base + "/c", false) != null && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        System.out.println("empty container gone: " + (zk.exists(base + "/c", false) == null));

        // getACL without ADMIN masks digests; the super user passes every check.
        String digest = DigestAuthenticationProvider.generateDigest("user1:pw1");
        List<ACL> masked = new ArrayList<>();
        masked.add(new ACL(ZooDefs.Perms.ALL, new Id("digest", digest)));
        masked.add(new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));
        zk.create(base + "/acl", bytes("secret"), masked, CreateMode.PERSISTENT);
        System.out.println("getACL without ADMIN: " + zk.getACL(base + "/acl", new Stat()));
        ZooKeeper owner = connect(hosts);
        owner.addAuthInfo("digest", bytes("user1:pw1"));
        System.out.println("getACL with ADMIN: "
                + owner.getACL(base + "/acl", new Stat()).get(0).getId().getId().equals(digest));
        owner.create(base + "/locked", bytes("locked"), Collections.singletonList(
                new ACL(ZooDefs.Perms.ALL, new Id("digest", digest))), CreateMode.PERSISTENT);
        System.out.println("anyone reads locked: " + code(() -> zk.getData(base + "/locked", false, null)));
        ZooKeeper root = connect(hosts);
        root.addAuthInfo("digest", bytes("super:" + superPassword));
        System.out.println("super reads locked: "
                + new String(root.getData(base + "/locked", false, null), StandardCharsets.UTF_8));
        System.out.println("super deletes locked: " + code(() -> root.delete(base + "/locked", -1)));
        owner.close();
        root.close();

        for (String path : new String[] {"/r", "/p", "/m/one", "/m", "/acl", ""}) {
            try {
                zk.delete(base + path, -1);
            } catch (KeeperException.NoNodeException e) {
                // the TTL node's sweep may have been first
            }
        }
        zk.close();
    }
}
